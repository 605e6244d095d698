package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// configKey is one key of the configuration file as the reference shows it:
// its YAML path (list elements as "[]"), its type in words, the default the
// real setDefaults gives, and the VHOD_ variable that sets it, if any.
type configKey struct {
	Path    string
	Type    reflect.Type
	Default string // "" when setDefaults leaves the key empty
	Env     string // "" when no variable reaches it
	Section bool   // an object or a list of objects: its keys follow
}

// configKeys walks Config by its yaml tags, as loadConfig and applyEnv do, so
// that the reference names exactly the keys the file takes. Defaults are read
// from a Config that went through setDefaults, not retyped.
func configKeys() []configKey {
	var c Config
	c.setDefaults()
	var out []configKey
	var walk func(t reflect.Type, v reflect.Value, path, env string)
	walk = func(t reflect.Type, v reflect.Value, path, env string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			fenv := ""
			if env != "" && f.Tag.Get("env") != "-" {
				fenv = envName(env, f)
			}
			var fv reflect.Value
			if v.IsValid() {
				fv = v.Field(i)
			}
			k := configKey{Path: p, Type: f.Type}
			switch {
			case isStruct(f.Type):
				k.Section = true
				out = append(out, k)
				walk(f.Type, fv, p, fenv)
				continue
			case f.Type.Kind() == reflect.Slice && isStruct(f.Type.Elem()):
				k.Section = true
				out = append(out, k)
				walk(f.Type.Elem(), reflect.Value{}, p+"[]", "")
				continue
			}
			if fenv != "" && envSettable(f.Type) {
				k.Env = fenv
			}
			if fv.IsValid() {
				k.Default = showValue(fv)
			}
			out = append(out, k)
		}
	}
	walk(reflect.TypeOf(c), reflect.ValueOf(c), "", "VHOD")
	return out
}

// yamlName is a field's key in the file; "" for fields the file cannot set.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// isStruct: a nested object of the file (durations and other scalars are not).
func isStruct(t reflect.Type) bool { return t.Kind() == reflect.Struct }

// envSettable asks setScalar itself whether a variable can set a field of t.
func envSettable(t reflect.Type) bool {
	return !errors.Is(setScalar(reflect.New(t).Elem(), ""), errNotFromEnv)
}

// showValue writes a default as the file would spell it; zero values are "".
func showValue(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	} else if v.IsZero() {
		return ""
	}
	if d, ok := v.Interface().(time.Duration); ok {
		return formatDuration(d)
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
		if v.Len() == 0 {
			return ""
		}
	}
	b, err := yaml.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprint(v.Interface())
	}
	return strings.TrimSpace(string(b))
}

// formatDuration drops Go's zero units: 15m rather than 15m0s, 720h rather than 720h0m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// typeName says a key's type in words of the reference's language.
func typeName(t reflect.Type, lang string) string {
	ru := lang == "ru"
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pick := func(en, r string) string {
		if ru {
			return r
		}
		return en
	}
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return pick("duration", "длительность")
	case t.Kind() == reflect.String:
		return pick("string", "строка")
	case t.Kind() == reflect.Bool:
		return pick("boolean", "да/нет")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return pick("integer", "целое число")
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return pick("list of strings", "список строк")
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.String:
		return pick("map of strings", "словарь строк")
	case t.Kind() == reflect.Slice && isStruct(t.Elem()):
		return pick("list of objects", "список объектов")
	case t.Kind() == reflect.Slice:
		return pick("list of ", "список: ") + typeName(t.Elem(), lang)
	case t.Kind() == reflect.Map:
		return pick("map of ", "словарь: ") + typeName(t.Elem(), lang)
	case isStruct(t):
		return pick("object", "объект")
	}
	return t.String()
}

// runConfigReference writes the configuration reference in Markdown.
func runConfigReference(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config reference", flag.ContinueOnError)
	lang := fs.String("lang", "en", "language of the reference: en or ru")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *lang != "en" && *lang != "ru" {
		return fmt.Errorf("config reference: --lang %q is not en or ru", *lang)
	}
	return writeConfigReference(stdout, *lang)
}

// writeConfigReference renders every key of configKeys with its description
// from configDocs; a key without one is an error, so that nothing ships undocumented.
func writeConfigReference(w io.Writer, lang string) error {
	keys := configKeys()
	var missing []string
	for _, k := range keys {
		d, ok := configDocs[k.Path]
		if !ok || d.text(lang) == "" {
			missing = append(missing, k.Path)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("config reference: keys without a description in configDocs: %s", strings.Join(missing, ", "))
	}
	t := referenceText[lang]
	var b strings.Builder
	b.WriteString(t.intro)
	// Top-level scalars first, under one heading; then each top-level
	// object or list in the order of Config.
	var groups []string
	byGroup := map[string][]configKey{}
	for _, k := range keys {
		top, _, nested := strings.Cut(k.Path, ".")
		top = strings.TrimSuffix(top, "[]")
		g := top
		if !k.Section && !nested && !strings.Contains(k.Path, "[]") {
			g = ""
		}
		if _, seen := byGroup[g]; !seen {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], k)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i] == "" && groups[j] != "" })
	for _, g := range groups {
		if g == "" {
			fmt.Fprintf(&b, "\n## %s\n\n", t.general)
		} else {
			fmt.Fprintf(&b, "\n## `%s`\n\n%s\n\n", g, configDocs[g].text(lang))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n| --- | --- | --- | --- | --- |\n", t.key, t.typ, t.def, t.desc, t.example)
		for _, k := range byGroup[g] {
			if k.Path == g && k.Section {
				continue // the heading says it
			}
			writeKeyRow(&b, k, lang)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeKeyRow is one key's line of a section's table.
func writeKeyRow(b *strings.Builder, k configKey, lang string) {
	d := configDocs[k.Path]
	key := "`" + k.Path + "`"
	if k.Env != "" {
		key += "<br>`" + k.Env + "`"
	}
	def := "—"
	if k.Default != "" {
		def = "`" + cell(k.Default) + "`"
	}
	ex := "—"
	if d.Example != "" {
		ex = "`" + cell(d.Example) + "`"
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", key, typeName(k.Type, lang), def, cell(d.text(lang)), ex)
}

// cell keeps a table cell on one line and its pipes out of the table.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
