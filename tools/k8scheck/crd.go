package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// schema is the part of a CRD's OpenAPI v3 schema (apiextensions.k8s.io/v1 JSONSchemaProps) that
// a structural schema uses; a keyword the checker does not know makes loading the CRD fail, so no
// rule of the schema is skipped silently.
type schema struct {
	Type                   string             `json:"type,omitempty"`
	Description            string             `json:"description,omitempty"`
	Format                 string             `json:"format,omitempty"`
	Properties             map[string]*schema `json:"properties,omitempty"`
	AdditionalProperties   *schemaOrBool      `json:"additionalProperties,omitempty"`
	Items                  *schema            `json:"items,omitempty"`
	Required               []string           `json:"required,omitempty"`
	Enum                   []any              `json:"enum,omitempty"`
	Pattern                string             `json:"pattern,omitempty"`
	Minimum                *float64           `json:"minimum,omitempty"`
	Maximum                *float64           `json:"maximum,omitempty"`
	MinLength              *int               `json:"minLength,omitempty"`
	MaxLength              *int               `json:"maxLength,omitempty"`
	MinItems               *int               `json:"minItems,omitempty"`
	MaxItems               *int               `json:"maxItems,omitempty"`
	Nullable               bool               `json:"nullable,omitempty"`
	Default                any                `json:"default,omitempty"`
	PreserveUnknownFields  bool               `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
	IntOrString            bool               `json:"x-kubernetes-int-or-string,omitempty"`
	EmbeddedResource       bool               `json:"x-kubernetes-embedded-resource,omitempty"`
	ListType               string             `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys            []string           `json:"x-kubernetes-list-map-keys,omitempty"`
	MapType                string             `json:"x-kubernetes-map-type,omitempty"`
}

// schemaOrBool is additionalProperties: a schema, or true/false.
type schemaOrBool struct {
	Allows bool
	Schema *schema
}

func (s *schemaOrBool) UnmarshalJSON(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "true":
		s.Allows = true
		return nil
	case "false":
		return nil
	}
	s.Allows = true
	s.Schema = &schema{}
	return yaml.UnmarshalStrict(b, s.Schema)
}

// crd is the part of a CustomResourceDefinition the checker needs.
type crd struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema *schema `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// crdSchemas maps "group/version, Kind" to the version's schema.
type crdSchemas map[string]*schema

func gvkKey(apiVersion, kind string) string { return apiVersion + ", Kind=" + kind }

// loadCRDs reads every CRD document of the .yaml files in dir. A schema keyword the checker does not
// know is an error here: validating against a schema whose rules were partly dropped would pass
// manifests the API server refuses.
func loadCRDs(dir string) (crdSchemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD files (*.yaml) in %s", dir)
	}
	out := crdSchemas{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(fh))
		for {
			raw, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if strings.TrimSpace(string(raw)) == "" || strings.TrimSpace(string(raw)) == "---" {
				continue
			}
			var head crd
			if err := yaml.Unmarshal(raw, &head); err != nil || head.Kind != "CustomResourceDefinition" {
				continue
			}
			js, _ := yaml.YAMLToJSON(raw)
			for i, v := range head.Spec.Versions {
				schemaJSON, err := extractSchema(js, i)
				if err != nil {
					fh.Close()
					return nil, fmt.Errorf("%s (%s %s): %w", f, head.Spec.Names.Kind, v.Name, err)
				}
				out[gvkKey(head.Spec.Group+"/"+v.Name, head.Spec.Names.Kind)] = schemaJSON
			}
		}
		fh.Close()
	}
	return out, nil
}

// extractSchema decodes version i's openAPIV3Schema strictly (unknown keywords are errors).
func extractSchema(crdJSON []byte, i int) (*schema, error) {
	var loose struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crdJSON, &loose); err != nil {
		return nil, err
	}
	b, err := yaml.Marshal(loose.Spec.Versions[i].Schema.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	var s schema
	if err := yaml.UnmarshalStrict(b, &s); err != nil {
		return nil, fmt.Errorf("a schema keyword the checker does not know: %w", err)
	}
	return &s, nil
}

// validate checks a value against a structural schema as the API server does for a custom
// resource under strict field validation: unknown fields, types, required fields, enums, bounds
// and patterns. Every problem is collected, each with its path.
func validate(s *schema, v any, path string, problems *[]string) {
	add := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	if v == nil {
		if !s.Nullable && s.Type != "" {
			add("must not be null")
		}
		return
	}
	if s.IntOrString {
		switch x := v.(type) {
		case string:
		case float64:
			if x != math.Trunc(x) {
				add("must be an integer or a string")
			}
		default:
			add("must be an integer or a string")
		}
		return
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			add("must be an object")
			return
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				*problems = append(*problems, fmt.Sprintf("%s: required field %q is missing", path, r))
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := path + "." + k
			if p, ok := s.Properties[k]; ok {
				validate(p, m[k], child, problems)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
				validate(s.AdditionalProperties.Schema, m[k], child, problems)
			} else if !s.PreserveUnknownFields && !(s.AdditionalProperties != nil && s.AdditionalProperties.Allows) {
				*problems = append(*problems, fmt.Sprintf("unknown field %q", strings.TrimPrefix(child, ".")))
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			add("must be an array")
			return
		}
		if s.MinItems != nil && len(a) < *s.MinItems {
			add("must have at least %d items", *s.MinItems)
		}
		if s.MaxItems != nil && len(a) > *s.MaxItems {
			add("must have at most %d items", *s.MaxItems)
		}
		if s.Items != nil {
			for i, x := range a {
				validate(s.Items, x, fmt.Sprintf("%s[%d]", path, i), problems)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			add("must be a string")
			return
		}
		if s.MinLength != nil && len(str) < *s.MinLength {
			add("must be at least %d characters", *s.MinLength)
		}
		if s.MaxLength != nil && len(str) > *s.MaxLength {
			add("must be at most %d characters", *s.MaxLength)
		}
		if s.Pattern != "" {
			re, err := regexp.Compile(s.Pattern)
			if err != nil {
				add("the schema's pattern %q cannot be checked here: %v", s.Pattern, err)
			} else if !re.MatchString(str) {
				add("%q does not match %q", str, s.Pattern)
			}
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok {
			add("must be a %s", s.Type)
			return
		}
		if s.Type == "integer" && n != math.Trunc(n) {
			add("must be an integer")
		}
		if s.Minimum != nil && n < *s.Minimum {
			add("must be at least %v", *s.Minimum)
		}
		if s.Maximum != nil && n > *s.Maximum {
			add("must be at most %v", *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			add("must be a boolean")
		}
	case "":
		// No type: anything (the schema says so with x-kubernetes-preserve-unknown-fields).
	default:
		add("the schema's type %q is not known to the checker", s.Type)
	}
	if len(s.Enum) > 0 {
		for _, e := range s.Enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				return
			}
		}
		add("%v is not one of %v", v, s.Enum)
	}
}
