// Package browser drives Khiên's web UI with a real Chromium through the
// DevTools protocol (github.com/chromedp/chromedp) and keeps a PNG
// screenshot of every step, on a laptop-sized and a phone-sized viewport.
//
// The tests need Debian's chromium at /usr/bin/chromium. Without it they
// skip, unless the CI environment variable is set: then they fail, so a CI
// machine cannot silently lose its browser coverage. Screenshots go to the
// directory named by KHIEN_ARTEFACTS, by default artefacts/browser under the
// test's temporary directory; the test logs where.
package browser
