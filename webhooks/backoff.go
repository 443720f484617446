package webhooks

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before the retry that follows failed attempt
// number attempt (1 for the first): base·2^(attempt-1), capped at max,
// scaled by a jitter factor in [0.8, 1.2) read from u in [0, 1) and capped
// at max again. Jitter spreads the retries of many deliveries that failed
// together (a receiver's outage) so they do not return in lockstep.
func backoff(attempt int, base, max time.Duration, u float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	d = time.Duration(float64(d) * (0.8 + 0.4*u))
	return min(d, max)
}

// jitter returns a uniform number in [0, 1).
func jitter() float64 { return rand.Float64() }
