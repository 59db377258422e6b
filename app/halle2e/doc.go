// Package halle2e holds the end-to-end tests of a whole hall: several kiosk
// processes, each with its own database file, a real countyd, and the
// hall's LAN and county link through proxies the tests cut and heal. It has
// no code of its own.
package halle2e
