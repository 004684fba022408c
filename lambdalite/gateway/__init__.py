"""The HTTP data planes in front of functions: Function URLs and API Gateway HTTP APIs (REST APIs
later), their payload formats, response mapping, authorizers and CORS."""
