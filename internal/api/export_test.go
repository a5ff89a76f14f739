package api

// OpenAPIDoc lets the external tests check responses against the document.
var OpenAPIDoc = openAPIDoc
