package blocklist

// This file writes the line formats: a plain list of one kind, and a hosts
// file that sends each published domain (and its www name) to 0.0.0.0.

import (
	"bufio"
	"io"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// lineFunc returns the lines a listing becomes, or a reason to skip it.
type lineFunc func(l portal.Listing, o Options) ([]string, string)

type lines struct {
	w     *bufio.Writer
	o     Options
	line  lineFunc
	stats Stats
	err   error
}

func newLines(w io.Writer, o Options, fn lineFunc, what string) *lines {
	l := &lines{w: bufio.NewWriter(w), o: o, line: fn}
	l.put("# Khiên public portal: " + what)
	l.put("# generated " + stamp(o.Now) + "; every line was confirmed by two reviewers")
	return l
}

func (l *lines) put(s string) {
	if l.err == nil {
		_, l.err = l.w.WriteString(s + "\n")
	}
}

func (l *lines) Write(x portal.Listing) error {
	if !published(x, l.o.Now) {
		l.stats.skip("not_published")
		return l.err
	}
	out, reason := l.line(x, l.o)
	if reason != "" {
		l.stats.skip(reason)
		return l.err
	}
	for _, s := range out {
		l.put(s)
	}
	l.stats.Written++
	return l.err
}

func (l *lines) Close() error {
	if l.err != nil {
		return l.err
	}
	return l.w.Flush()
}

func (l *lines) Stats() Stats { return l.stats }

// plainLine is the listing's value: a domain without "www.", anything else
// as stored (a URL, +84…, BIN:digits, an address).
func plainLine(l portal.Listing, o Options) ([]string, string) {
	if l.Kind != o.Kind {
		return nil, "other_kind"
	}
	if d, ok := portal.DomainOf(l); ok {
		return []string{d}, ""
	}
	if !safeLine(l.Value) {
		return nil, "bad_value"
	}
	return []string{l.Value}, ""
}

func hostsLine(l portal.Listing, _ Options) ([]string, string) {
	d, ok := portal.DomainOf(l)
	if !ok || l.Kind != canon.KindDomain {
		return nil, "not_a_domain"
	}
	return []string{"0.0.0.0 " + d, "0.0.0.0 www." + d}, ""
}

// safeLine reports a value that cannot break a line format.
func safeLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return s != ""
}
