/* Timestamps in free text (a model's answer, the judge's reasoning), so each can become a
 * button that seeks the video player there. Pure functions, no DOM.
 *
 * Read as a time:
 *   h:mm:ss, mm:ss, m:ss, each with an optional fraction ("00:00:12.5", "1:05", "1:02:03")
 *   a number of seconds written with an attached "s" ("12.5s", "3s")
 * Not read as a time, on purpose:
 *   - ratios: "3:2", "16:9", "4:3" (the part after the colon must be two digits), "21:64"
 *     (seconds and minutes after an hour must be 00-59), and "16:10" right after the word
 *     "aspect" or "ratio"; ratios with spaces ("16 : 9") never match
 *   - scores and fractions: "8/10" (no colon, and nothing next to a "/" is taken)
 *   - times of day: "10:30 am", "10:30pm", "10:30 a.m."
 *   - parts of longer tokens: "v1:05", "a1:30", "12:30:45:10", "1.5s" inside "1.5s2", "2025-01-01T10:30"
 *   - decades: "1990s", "2020s" (a four-digit 19xx/20xx before "s")
 * Everything else of the form m:ss is a time: an answer that says "at 4:30" means the video.
 */

// Two digits 00-59: the seconds (and the minutes after an hour).
const SIXTY = "[0-5]\\d";
const FRACTION = "(?:\\.\\d{1,3})?";
const CLOCK = `(\\d{1,2}):(${SIXTY}):(${SIXTY}${FRACTION})|(\\d{1,3}):(${SIXTY}${FRACTION})`;
const SECONDS = `(?!(?:19|20)\\d\\ds)(\\d{1,4}${FRACTION})s`;
const PATTERN = new RegExp(
  // Not glued to a word, a number, a path or another colon group …
  "(?<![\\w:./-])" +
    // … nor right after "aspect" / "ratio" (a ratio such as 16:10 said as one) …
    "(?<!(?:aspect|ratio)(?:\\s+of)?\\s+)" +
    `(?:${CLOCK}|${SECONDS})` +
    // … and not followed by more digits, a colon group, a "/" or "am"/"pm" (a time of day).
    "(?![\\w:/]|\\.\\d|\\s?[ap]\\.?m\\b\\.?)",
  "gi",
);

/** Every timestamp in `text`: [{start, end, text, seconds}], in order. */
export function findTimestamps(text) {
  const found = [];
  for (const match of String(text || "").matchAll(PATTERN)) {
    const [whole, hours, minutesAfterHours, secondsAfterHours, minutes, seconds, plainSeconds] = match;
    let value;
    if (hours !== undefined) value = Number(hours) * 3600 + Number(minutesAfterHours) * 60 + Number(secondsAfterHours);
    else if (minutes !== undefined) value = Number(minutes) * 60 + Number(seconds);
    else value = Number(plainSeconds);
    found.push({ start: match.index, end: match.index + whole.length, text: whole, seconds: value });
  }
  return found;
}

/** The seconds one timestamp stands for ("1:05" → 65); null when it is not one. */
export function parseTimestamp(text) {
  const found = findTimestamps(text);
  return found.length === 1 && found[0].text === String(text).trim() ? found[0].seconds : null;
}

/** `text` cut into pieces: strings, and {text, seconds} for each timestamp. */
export function splitTimestamps(text) {
  const pieces = [];
  let at = 0;
  for (const stamp of findTimestamps(text)) {
    if (stamp.start > at) pieces.push(text.slice(at, stamp.start));
    pieces.push({ text: stamp.text, seconds: stamp.seconds });
    at = stamp.end;
  }
  if (at < String(text || "").length) pieces.push(text.slice(at));
  return pieces;
}
