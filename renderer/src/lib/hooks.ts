import { useEffect, useRef, useState, type RefObject } from 'react';
import { useUi } from '../stores/ui';
import type { VisibleSeconds } from './merge-span';

/** The CSS size of an element, kept current with a ResizeObserver. */
export function useElementSize<T extends HTMLElement>(): [RefObject<T | null>, { width: number; height: number }] {
  const ref = useRef<T | null>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      setSize((s) => (Math.abs(s.width - r.width) < 0.5 && Math.abs(s.height - r.height) < 0.5 ? s : { width: r.width, height: r.height }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/**
 * The audio view's visible seconds, taken at most once per animation frame. Only the span: the
 * ui store also changes on every playback tick (currentTime), and a view that re-rendered on
 * those would redraw during playback for nothing.
 */
export function useVisibleSeconds(): VisibleSeconds {
  const [span, setSpan] = useState<VisibleSeconds>(() => {
    const v = useUi.getState().view;
    return { startS: v.startS, endS: v.endS };
  });
  useEffect(() => {
    let raf = 0;
    let seen = useUi.getState().view;
    const take = () => {
      raf = 0;
      const v = useUi.getState().view;
      setSpan((s) => (s.startS === v.startS && s.endS === v.endS ? s : { startS: v.startS, endS: v.endS }));
    };
    take();
    const unsubscribe = useUi.subscribe((state) => {
      if (state.view === seen) return;
      seen = state.view;
      if (!raf) raf = requestAnimationFrame(take);
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(raf);
    };
  }, []);
  return span;
}
