package fence

import (
	"testing"
	"time"
)

// TestWorkloadCoverage checks the generator against PERFORMANCE.md: a
// uniform point lies in 0.14 zones on average at 1k zones (13% in at least
// one) and 1.5 at 10k (77%).
func TestWorkloadCoverage(t *testing.T) {
	cases := []struct {
		zones              int
		wantMean, wantFrac float64
	}{
		{1000, 0.14, 0.13},
		{10000, 1.5, 0.77},
	}
	for _, c := range cases {
		if testing.Short() && c.zones > 1000 {
			continue
		}
		s, err := Build(WorkloadZones(1, c.zones), Options{})
		if err != nil {
			t.Fatal(err)
		}
		pts := WorkloadPoints(1, 100000)
		var hits []Hit
		total, inAny := 0, 0
		for _, p := range pts {
			hits = s.Containing(p, 0, false, time.Time{}, hits[:0])
			total += len(hits)
			if len(hits) > 0 {
				inAny++
			}
		}
		mean, frac := float64(total)/float64(len(pts)), float64(inAny)/float64(len(pts))
		t.Logf("zones=%d: mean %.3f zones/point, %.1f%% in >=1 zone", c.zones, mean, 100*frac)
		if mean < c.wantMean*0.85 || mean > c.wantMean*1.15 || frac < c.wantFrac*0.9 || frac > c.wantFrac*1.1 {
			t.Errorf("zones=%d: mean %.3f, frac %.3f; want about %.2f, %.2f", c.zones, mean, frac, c.wantMean, c.wantFrac)
		}
	}
}
