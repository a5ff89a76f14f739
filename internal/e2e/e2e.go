// Package e2e drives the platform in a real browser — headless Debian
// Chromium through the DevTools protocol (chromedp) — the way its users
// click through it, and saves a screenshot of every page it passes into
// screenshots/ at the repository root (or ZWFW_SCREENSHOTS).
package e2e
