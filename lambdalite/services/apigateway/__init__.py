"""Amazon API Gateway (v1): REST APIs for the Lambda proxy case, API keys and usage plans."""
