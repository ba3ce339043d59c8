// A value that follows another once it has stopped changing for `delay` ms: typing fast asks
// once, at the end, instead of once per key.
import { useEffect, useState } from "react";

export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => {
      setSettled(value);
    }, delay);
    return () => {
      window.clearTimeout(timer);
    };
  }, [value, delay]);
  return settled;
}
