/**
 * Is a sound within the model's reach? A classifier always names one of its classes; on a sound
 * outside them (church bells on an ESC-10 model) it still names one, with a low top score. This
 * decides when a window's top score is too low to present as a label, per kind of score:
 *
 * - softmax (single-label models: ESC-10, Speech Commands): the scores share 1. Under 0.5 no
 *   class holds a majority of the model's belief, and the label is a guess between several.
 *   Measured on the bundled ESC-10 model (cmkd, r = 0, `fastast classify`): the 80 fold-5 clips,
 *   which it knows, score a median top of 0.81 and 10 of 80 fall under 0.5; the 31 windows of
 *   the demo clips, none of them an ESC-10 class, score a median of 0.56 and 10 fall under 0.5
 *   (church bells: "chainsaw 44 %"). A softmax model is often confident outside its classes
 *   (speech → "dog 82 %"), so the notice catches some of those, never all of them; the class
 *   list says the rest. A higher line (0.6) flagged 14 of the 80 known clips for 17 of 31.
 * - sigmoid (multi-label models, AudioSet): each class scores alone, several may be present,
 *   and a sound none of the classes covers leaves them all low. Under 0.2 nothing the model
 *   knows stands out; the analysis threshold's default (0.3) shows labels from a little above.
 *   This line is chosen, not measured: the AudioSet weights were not on the machine it was
 *   written on; a measurement like the softmax one above should set it.
 *
 * A file is "mostly outside" when at least half of its windows are low.
 */
export const LOW_TOP_SOFTMAX = 0.5;
export const LOW_TOP_SIGMOID = 0.2;
export const MOSTLY_LOW_SHARE = 0.5;

export function lowTopScore(multiLabel: boolean): number {
  return multiLabel ? LOW_TOP_SIGMOID : LOW_TOP_SOFTMAX;
}

export interface Reach {
  windows: number;
  /** Windows whose top score is under the model's low line. */
  lowWindows: number;
  /** The highest top score of any window (what the notice quotes: even the best window is low). */
  bestTop: number;
  /** Label of that best window's top class. */
  bestLabel: string;
  mostlyLow: boolean;
  line: number;
}

/** Per window top scores of an analysis ([windows × classes], row-major). */
export function reachOf(scores: Float32Array, windows: number, labels: readonly string[], multiLabel: boolean): Reach {
  const C = labels.length;
  const line = lowTopScore(multiLabel);
  let lowWindows = 0;
  let bestTop = -1;
  let bestClass = 0;
  for (let w = 0; w < windows; w++) {
    let top = 0;
    let arg = 0;
    for (let c = 0; c < C; c++) {
      const v = scores[w * C + c];
      if (v > top) {
        top = v;
        arg = c;
      }
    }
    if (top < line) lowWindows++;
    if (top > bestTop) {
      bestTop = top;
      bestClass = arg;
    }
  }
  return { windows, lowWindows, bestTop: Math.max(0, bestTop), bestLabel: labels[bestClass] ?? '', mostlyLow: windows > 0 && lowWindows / windows >= MOSTLY_LOW_SHARE, line };
}

/** The top score and label of one window. */
export function windowTop(scores: Float32Array, w: number, labels: readonly string[]): { score: number; label: string } {
  const C = labels.length;
  let arg = 0;
  for (let c = 1; c < C; c++) if (scores[w * C + c] > scores[w * C + arg]) arg = c;
  return { score: scores[w * C + arg] ?? 0, label: labels[arg] ?? '' };
}
