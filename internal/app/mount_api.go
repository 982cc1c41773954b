package app

import "net/http"

// mountAPI mounts the REST API v1 under /api/v1/.
func (a *App) mountAPI(mux *http.ServeMux) {}
