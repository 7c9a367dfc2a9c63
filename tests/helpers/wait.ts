/**
 * How long a test waits for something that normally arrives within milliseconds (a stream
 * event, a bus message, a mail). Generous on purpose: the suite runs on loaded 2-core machines,
 * where a few seconds of scheduling delay is normal; a wait only takes this long when the test
 * is failing anyway. Tests never wait this long to prove that something did NOT happen (they
 * use a marker published after it instead).
 */
export const WAIT_MS = 20_000;
