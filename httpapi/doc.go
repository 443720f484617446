// Package httpapi serves safezones over HTTP: the JSON API under /v1, the
// OGC API - Features collections (core, GeoJSON and OpenAPI 3.0 classes),
// the OpenAPI document at /api, /healthz and Prometheus /metrics. Every
// error is written as {"error":{"code","message","field"}} by writeError.
package httpapi
