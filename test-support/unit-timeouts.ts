// Unit tests issue whole meshes' keys (RSA key generation) and open real TLS sockets; on a busy two-core machine
// that can take longer than jest's default 5 s, which would fail a test for the machine's load and not for what it
// checks. (testTimeout is a global option in jest, so each project sets its own here.)
jest.setTimeout(30_000);
