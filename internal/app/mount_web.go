package app

import "net/http"

// mountWeb mounts the browser UI (everything not claimed by another mux).
func (a *App) mountWeb(mux *http.ServeMux) {}
