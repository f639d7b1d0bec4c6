"""The Bot API's error answers: status code, Telegram's wording, ``retry_after`` for 429."""

from __future__ import annotations

from typing import Any

# Default descriptions, as Telegram words them.
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
         "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answer: HTTP status = ``error_code``, with Telegram's ``description``."""

    def __init__(self, error_code: int, description: str | None = None,
                 retry_after: int | None = None, migrate_to_chat_id: int | None = None) -> None:
        """``retry_after`` (for 429) becomes ``parameters.retry_after`` in the answer;
        ``migrate_to_chat_id`` (a 400 for a group that became a supergroup) likewise."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if error_code == 429
                           else DESCRIPTIONS.get(error_code, "Bad Request"))
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        result: dict[str, Any] = {"ok": False, "error_code": self.error_code,
                        "description": self.description}
        parameters = {key: value for key, value in (
            ("retry_after", self.retry_after), ("migrate_to_chat_id", self.migrate_to_chat_id))
            if value is not None}
        if parameters:
            result["parameters"] = parameters
        return result
