package alerts

import (
	"encoding/xml"
	"time"
)

// AtomNamespace is the XML namespace of Atom (RFC 4287).
const AtomNamespace = "http://www.w3.org/2005/Atom"

// CAPContentType is the media type of a CAP message inside an Atom entry.
const CAPContentType = "application/cap+xml"

// AtomFeed is an Atom feed (RFC 4287) whose entries carry CAP messages.
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  AtomPerson  `xml:"author"`
	Links   []AtomLink  `xml:"link"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomPerson is an Atom author.
type AtomPerson struct {
	Name string `xml:"name"`
}

// AtomLink is an Atom link.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

// AtomEntry is one entry: a CAP message inline in its content.
type AtomEntry struct {
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Summary string      `xml:"summary,omitempty"`
	Links   []AtomLink  `xml:"link"`
	Content AtomContent `xml:"content"`
}

// AtomContent holds the CAP message as XML content of type
// application/cap+xml.
type AtomContent struct {
	Type  string    `xml:"type,attr"`
	Alert *CAPAlert `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
}

// CAPEntry is a CAP message for the feed and the absolute URL where it is
// served on its own (the entry's id and link).
type CAPEntry struct {
	Message *CAPAlert
	URL     string
}

// FeedOptions name a feed: ID and Self are absolute URLs (the feed's
// own), Title and Author are shown to readers, Updated is the newest
// change (now when zero).
type FeedOptions struct {
	ID, Self, Title, Author string
	Updated                 time.Time
}

// CAPAtomFeed returns an Atom feed of CAP messages, newest first as given.
// Each entry's id and alternate link are its URL; its title the message's
// headline; its content the message itself.
func CAPAtomFeed(opts FeedOptions, entries []CAPEntry) *AtomFeed {
	updated := opts.Updated
	if updated.IsZero() {
		updated = time.Now()
	}
	f := &AtomFeed{
		ID: opts.ID, Title: opts.Title, Updated: updated.UTC().Format(time.RFC3339),
		Author: AtomPerson{Name: opts.Author},
		Links:  []AtomLink{{Rel: "self", Type: "application/atom+xml", Href: opts.Self}},
	}
	for _, e := range entries {
		m := e.Message
		title := m.Identifier
		var summary string
		if len(m.Infos) > 0 {
			if m.Infos[0].Headline != "" {
				title = m.Infos[0].Headline
			}
			summary = m.Infos[0].Event + " (" + m.MsgType + ", " + m.Status + ")"
		}
		updated := m.Sent
		if t, err := time.Parse("2006-01-02T15:04:05-07:00", m.Sent); err == nil {
			updated = t.UTC().Format(time.RFC3339)
		}
		f.Entries = append(f.Entries, AtomEntry{
			ID: e.URL, Title: title, Updated: updated, Summary: summary,
			Links:   []AtomLink{{Rel: "alternate", Type: "application/xml", Href: e.URL}},
			Content: AtomContent{Type: CAPContentType, Alert: m},
		})
	}
	return f
}
