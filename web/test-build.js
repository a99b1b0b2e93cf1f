// Present only in a test build of the web client (the test harnesses serve web/ as it
// is): its presence turns on the test-only URL parameters in app.js (server, autojoin,
// autoAnswer). The client built into peercall-signal does not include this file; a
// deployment that serves web/ with --static-dir should leave it out.
export const TEST_BUILD = true;
