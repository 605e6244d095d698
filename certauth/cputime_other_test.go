//go:build !linux

package certauth

import "time"

// Elsewhere the wall clock stands in for CPU time.
var start = time.Now()

func cpuTime() time.Duration { return time.Since(start) }

func threadCPU(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}
