// Package archtest holds the test that keeps the architecture's import
// rules true (DESIGN.md, "Layout"); it has no code of its own.
package archtest
