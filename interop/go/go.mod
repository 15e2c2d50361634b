module hocba-ledger.invalid/interop/go

go 1.19

require golang.org/x/mod v0.7.0

// Built offline against Debian's golang-golang-x-mod-dev (scripts/check-go-interop sets
// GOPROXY=off); the Debian package installs the module's source here.
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
