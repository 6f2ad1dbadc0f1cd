// The test village (`Village`) and the rejection table's rows live in JifenTestSupport, shared with the conformance
// suite, which runs the same rows against every store; every file of these tests sees them.
@_exported import JifenTestSupport
