"""The Anthropic Messages API as a client-facing format (`POST /v1/messages`).

- `request.py`: Messages request → OpenAI chat body (and the body an Anthropic upstream gets);
- `egress.py`: `AnthropicEgress`, OpenAI chunks → Anthropic SSE events (pure);
- `errors.py`: errors in Anthropic's shape and statuses;
- `tokens.py`: the local input-token estimate (`count_tokens`, `message_start`);
- `handler.py`: the two routes (imported by `app.create_app`, not here, to keep the import
  of this package free of the app).
"""
