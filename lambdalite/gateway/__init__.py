"""The HTTP data planes in front of functions: Function URLs (and, later, API Gateway HTTP and
REST APIs), their payload formats, response mapping, authorization and CORS."""
