package webhooks

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	base, max := time.Second, 10*time.Minute
	cases := []struct {
		name    string
		attempt int
		u       float64
		want    time.Duration
	}{
		{"first retry, no jitter", 1, 0.5, time.Second},
		{"second retry", 2, 0.5, 2 * time.Second},
		{"fifth retry", 5, 0.5, 16 * time.Second},
		{"lowest jitter", 3, 0, 3200 * time.Millisecond},
		{"highest jitter", 3, 0.999999, 4799998400 * time.Nanosecond},
		{"capped", 11, 0.5, max},
		{"capped after jitter", 11, 0.999, max},
		{"jitter below the cap", 11, 0, 8 * time.Minute},
		{"huge attempt count does not overflow", 1000, 0.5, max},
	}
	for _, tc := range cases {
		if got := backoff(tc.attempt, base, max, tc.u); got != tc.want {
			t.Errorf("%s: backoff(%d, %v, %v, %v) = %v, want %v", tc.name, tc.attempt, base, max, tc.u, got, tc.want)
		}
	}
}
