// True once a list has shown its first contents: lists animate what arrives later (live), not
// what the first load brought in.
import { nextTick, ref, watch, type Ref } from 'vue';

export function useSettled(count: () => number): Ref<boolean> {
  const settled = ref(false);
  const stop = watch(count, (n) => {
    if (n === 0 || settled.value) return;
    void nextTick(() => {
      settled.value = true;
      stop();
    });
  }, { immediate: true });
  return settled;
}
