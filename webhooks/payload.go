package webhooks

import (
	"encoding/json"
	"fmt"

	"github.com/safezones/safezones"
)

// payload is the body of a delivery: the alert's own JSON with its
// position and predicted entry point as GeoJSON [lon, lat].
type payload struct {
	*safezones.Alert
	Position [2]float64  `json:"position"`
	Entry    *[2]float64 `json:"entry,omitempty"`
}

// Payload returns the JSON body delivered for a: every field of the
// Alert's JSON plus "position": [lon, lat] and, for a warning with a
// predicted entry point, "entry": [lon, lat].
func Payload(a *safezones.Alert) ([]byte, error) {
	p := payload{Alert: a, Position: [2]float64{a.Point.Lon, a.Point.Lat}}
	if a.Entry != nil {
		p.Entry = &[2]float64{a.Entry.Lon, a.Entry.Lat}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	return b, nil
}
