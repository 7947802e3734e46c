// A clock that ticks while a component shows something relative to now ("down 2 m 14 s"). One
// shared timer for every row on the page, running only while someone is watching.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

const now = ref(new Date());
let watchers = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): Ref<Date> {
  onMounted(() => {
    if (watchers++ === 0) {
      now.value = new Date();
      timer = setInterval(() => { now.value = new Date(); }, 1_000);
    }
  });
  onBeforeUnmount(() => {
    if (--watchers === 0) clearInterval(timer);
  });
  return now;
}
