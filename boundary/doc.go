// Package boundary holds the administrative boundaries that safezones ships
// and answers which area contains a point.
//
// The data is embedded in the binary (see data/SOURCES.md for origin and
// licence):
//
//   - level 0, the country: Syria's outline from Natural Earth 1:50m
//     (public domain). It is coarse, off by up to a few kilometres along
//     the borders; use level 1 for fine work.
//   - level 1, the 14 governorates (ADM1) from the OCHA Common Operational
//     Dataset, version v02 (valid on 2020-12-17), CC BY-IGO 3.0,
//     "OCHA / UN Cartographic Section (unocha)".
//   - level 2, the 61 districts (ADM2) from the 2015 OCHA COD release,
//     CC BY-IGO. Their PCodes match level 1 but their lines differ
//     slightly from it: a point near a governorate border can fall in a
//     district whose ParentPCode is not the governorate Locate returns at
//     level 1.
//
// Coordinates are WGS84 longitude/latitude (GeoJSON order). Rings are
// normalised to the RFC 7946 winding when the data is read: shells
// counter-clockwise, holes clockwise. As everywhere in safezones, areas are
// closed sets: a point on a boundary is inside. Boundaries shown here do not
// imply official endorsement or acceptance by the United Nations.
package boundary
