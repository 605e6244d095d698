package web

import (
	"strings"

	"github.com/mileusna/useragent"
)

// browserNames are the browsers whose names differ between the languages
// (message keys); the rest keep the parser's name.
var browserNames = map[string]string{
	"YaBrowser":       "agent.browser.yandex",
	"Android browser": "agent.browser.android",
}

// Agent is a session's user agent in words: the browser with its major
// version and the system, or the device for iPhones and iPads ("Chrome 131
// на Windows", "Safari на iPhone"). Safari's version follows the system's, so
// it is left out. A user agent the parser does not know is "an unknown
// browser", never the raw string.
func (t Translator) Agent(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return t.T("agent.unknown")
	}
	ua := useragent.Parse(raw)
	// Yandex Browser on Android adds tokens after its own ("SA/3") that the
	// parser takes for Chrome's; its own token names it.
	if _, after, ok := strings.Cut(raw, "YaBrowser/"); ok {
		version, _, _ := strings.Cut(after, " ")
		ua.Name, ua.Version = "YaBrowser", version
	}
	name := ua.Name
	if key, ok := browserNames[name]; ok {
		name = t.T(key)
	}
	if name == "" || name == ua.String || ua.Bot {
		return t.T("agent.unknown")
	}
	if major, _, _ := strings.Cut(ua.Version, "."); major != "" && ua.Name != useragent.Safari && ua.Name != useragent.MobileSafari {
		name += " " + major
	}
	system := ua.OS
	switch {
	case ua.Device == "iPhone" || ua.Device == "iPad":
		system = ua.Device
	case system == useragent.IOS:
		system = "iOS"
	}
	if system == "" {
		return name
	}
	return t.T("agent.on", "Browser", name, "System", system)
}
