// Package web holds the map: a single page that a coordination cell keeps
// open all day, and its static files (script, style sheet, an offline
// basemap of Syria's outline and governorates, and Leaflet), embedded in
// the binary so that it works with no internet and the Go build needs no
// npm. Handler serves them under /ui/; httpapi routes the page to
// browsers at / as well. The files hold no data: the page reads
// everything from the API with the viewer's token.
package web
