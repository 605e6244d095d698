package certauth

import (
	"runtime"
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has spent: the wall clock would count
// the other processes of a busy machine.
func cpuTime() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// threadCPU runs f on one OS thread and returns the CPU time that thread spent,
// so that fuzzing workers running beside it are not counted.
func threadCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const rusageThread = 1 // RUSAGE_THREAD, Linux only
	before := rusage(rusageThread)
	f()
	return rusage(rusageThread) - before
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
