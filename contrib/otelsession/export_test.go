package otelsession

// Internals for the tests.
var (
	ErrorTypeOf = errorType
	Redact      = redact
	Detect      = detect
	DriverName  = driverName
)
