package e2e

import "time"

// settleQuiet is how long nothing must arrive before a stand-in gateway's
// messages are read: Vhod's forms only queue messages and its background
// sender delivers them moments after the answer.
const settleQuiet = 300 * time.Millisecond

// settle waits until nothing has arrived for settleQuiet, counted from the call
// and from the last arrival, then until ready() holds; at most 5 s in all.
func settle(lastArrival func() time.Time, ready func() bool) {
	start := time.Now()
	for deadline := start.Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ref := lastArrival()
		if ref.Before(start) {
			ref = start
		}
		if time.Since(ref) >= settleQuiet && ready() {
			return
		}
	}
}
