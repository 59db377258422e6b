//go:build !linux

package county_test

import "time"

// pgServerCPU is not measured here: PostgreSQL's cpu-ms/op is the client's.
func pgServerCPU(int) time.Duration { return 0 }

func parentPID(int) int { return 0 }
