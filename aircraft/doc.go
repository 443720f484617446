// Package aircraft reads live aircraft feeds and turns them into
// fence.Updates: the SBS-1 BaseStation text feed (port 30003 of
// dump1090/readsb) over TCP, readsb/dump1090 aircraft.json by polling, and
// recorded SBS-1 files replayed as a TCP source.
//
// ParseSBS decodes one SBS-1 line without allocating; a Merger combines the
// separate identity, altitude, velocity and position messages of one
// aircraft into positions; DecodeAircraftJSON reads aircraft.json. The feed
// clients (SBSClient, JSONPoller) reconnect with capped, jittered
// exponential backoff and expose their state and counters through Stats,
// which Metrics exports to Prometheus with a feed label.
//
// Units on the wire are aviation units (feet, knots, feet per minute);
// fence.Update carries metres and metres per second. SBS-1 and aircraft.json
// altitudes are barometric (pressure altitude) and are used as an
// approximation of height above mean sea level.
package aircraft
