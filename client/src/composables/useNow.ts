// A clock that ticks while a component shows something relative to now ("for 2 m 14 s").
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

export function useNow(intervalMs = 1_000): Ref<Date> {
  const now = ref(new Date());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => { timer = setInterval(() => { now.value = new Date(); }, intervalMs); });
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
