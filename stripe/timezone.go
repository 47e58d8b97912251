package stripe

import (
	"strings"
	"time"
	_ "time/tzdata" // IANA zones even on hosts without /usr/share/zoneinfo
)

// TimezoneMetadataKey is the Stripe customer metadata key holding an IANA
// time zone ("Europe/Berlin"); it wins over the one guessed from the address.
const TimezoneMetadataKey = "tz"

// customerTimezone picks the time zone retries are timed in (SPEC §6):
// metadata `tz` when it names a real zone, else a zone guessed from the
// address (country, and the state for the large countries), else "" (the
// engine then uses the workspace's).
func customerTimezone(meta map[string]string, address obj) string {
	if tz := strings.TrimSpace(meta[TimezoneMetadataKey]); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			return tz
		}
	}
	country := strings.ToUpper(address.str("country"))
	state := strings.ToUpper(strings.TrimSpace(address.str("state")))
	if zones, ok := stateZones[country]; ok {
		if tz, ok := zones[state]; ok {
			return tz
		}
	}
	return countryZones[country]
}

// stateZones covers the countries that span several zones, by the state or
// province code Stripe stores (most populous zone when a state is split).
var stateZones = map[string]map[string]string{
	"US": usStates,
	"CA": {"BC": "America/Vancouver", "AB": "America/Edmonton", "SK": "America/Regina", "MB": "America/Winnipeg",
		"ON": "America/Toronto", "QC": "America/Toronto", "NB": "America/Halifax", "NS": "America/Halifax",
		"PE": "America/Halifax", "NL": "America/St_Johns", "YT": "America/Whitehorse", "NT": "America/Yellowknife",
		"NU": "America/Iqaluit"},
	"AU": {"NSW": "Australia/Sydney", "VIC": "Australia/Melbourne", "QLD": "Australia/Brisbane", "SA": "Australia/Adelaide",
		"WA": "Australia/Perth", "TAS": "Australia/Hobart", "ACT": "Australia/Sydney", "NT": "Australia/Darwin"},
	"BR": {"AC": "America/Rio_Branco", "AM": "America/Manaus", "RO": "America/Porto_Velho", "RR": "America/Boa_Vista",
		"MT": "America/Cuiaba", "MS": "America/Campo_Grande"},
	"MX": {"BC": "America/Tijuana", "BCS": "America/Mazatlan", "SIN": "America/Mazatlan", "SON": "America/Hermosillo",
		"CHH": "America/Chihuahua", "QR": "America/Cancun"},
}

var usStates = func() map[string]string {
	m := map[string]string{}
	add := func(tz string, states ...string) {
		for _, s := range states {
			m[s] = tz
		}
	}
	add("America/New_York", "CT", "DE", "DC", "FL", "GA", "IN", "KY", "ME", "MD", "MA", "MI", "NH", "NJ", "NY", "NC", "OH",
		"PA", "RI", "SC", "VT", "VA", "WV")
	add("America/Chicago", "AL", "AR", "IL", "IA", "KS", "LA", "MN", "MS", "MO", "NE", "ND", "OK", "SD", "TN", "TX", "WI")
	add("America/Denver", "CO", "ID", "MT", "NM", "UT", "WY")
	add("America/Phoenix", "AZ")
	add("America/Los_Angeles", "CA", "NV", "OR", "WA")
	add("America/Anchorage", "AK")
	add("Pacific/Honolulu", "HI")
	add("America/Puerto_Rico", "PR")
	return m
}()

// countryZones maps an ISO country code to its main zone; multi-zone
// countries without a known state fall back to their most populous zone.
var countryZones = map[string]string{
	"US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City", "BR": "America/Sao_Paulo",
	"AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago", "CO": "America/Bogota", "PE": "America/Lima",
	"GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "ES": "Europe/Madrid", "FR": "Europe/Paris",
	"BE": "Europe/Brussels", "NL": "Europe/Amsterdam", "LU": "Europe/Luxembourg", "DE": "Europe/Berlin",
	"CH": "Europe/Zurich", "AT": "Europe/Vienna", "IT": "Europe/Rome", "DK": "Europe/Copenhagen", "NO": "Europe/Oslo",
	"SE": "Europe/Stockholm", "FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "CZ": "Europe/Prague",
	"SK": "Europe/Bratislava", "HU": "Europe/Budapest", "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb",
	"RO": "Europe/Bucharest", "BG": "Europe/Sofia", "GR": "Europe/Athens", "EE": "Europe/Tallinn", "LV": "Europe/Riga",
	"LT": "Europe/Vilnius", "UA": "Europe/Kyiv", "TR": "Europe/Istanbul", "RU": "Europe/Moscow", "IS": "Atlantic/Reykjavik",
	"MT": "Europe/Malta", "CY": "Asia/Nicosia", "IL": "Asia/Jerusalem", "AE": "Asia/Dubai", "SA": "Asia/Riyadh",
	"IN": "Asia/Kolkata", "PK": "Asia/Karachi", "BD": "Asia/Dhaka", "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh",
	"MY": "Asia/Kuala_Lumpur", "SG": "Asia/Singapore", "ID": "Asia/Jakarta", "PH": "Asia/Manila", "HK": "Asia/Hong_Kong",
	"CN": "Asia/Shanghai", "TW": "Asia/Taipei", "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "AU": "Australia/Sydney",
	"NZ": "Pacific/Auckland", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "KE": "Africa/Nairobi", "EG": "Africa/Cairo",
	"MA": "Africa/Casablanca",
}
