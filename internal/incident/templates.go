package incident

import (
	_ "embed"
	"encoding/json"
	"sync"
)

//go:embed data/task_templates.json
var templatesJSON []byte

// TaskTemplate is one task a template creates.
type TaskTemplate struct {
	Key         string `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description"`
	DueHours    int    `json:"due_hours"`
}

// Template is a named list of tasks for a class of incidents ("*" for all).
type Template struct {
	Key   string         `json:"key"`
	Class string         `json:"class"`
	Tasks []TaskTemplate `json:"tasks"`
}

var loadTemplates = sync.OnceValue(func() []Template {
	var d struct {
		Templates []Template `json:"templates"`
	}
	if err := json.Unmarshal(templatesJSON, &d); err != nil {
		panic("incident: embedded task templates: " + err.Error())
	}
	for i := range d.Templates {
		for j := range d.Templates[i].Tasks {
			d.Templates[i].Tasks[j].Key = d.Templates[i].Key
		}
	}
	return d.Templates
})

// Templates lists the task templates that fit an incident of category
// (every template when category is empty).
func Templates(category string) []Template {
	var out []Template
	for _, t := range loadTemplates() {
		if category == "" || t.Class == "*" || t.Class == ClassOf(category) {
			out = append(out, t)
		}
	}
	return out
}

// TemplateTasks returns the tasks of template key if it fits category, nil
// otherwise.
func TemplateTasks(key, category string) []TaskTemplate {
	for _, t := range loadTemplates() {
		if t.Key == key && (t.Class == "*" || t.Class == ClassOf(category)) {
			return t.Tasks
		}
	}
	return nil
}
