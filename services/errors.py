"""Domain errors. Services raise these; the error boundary (middleware/errors.py) maps each
to an HTTP status, so services never speak HTTP."""


class DomainError(Exception):
    """Base class; the message is safe to show to the client."""


class NotFoundError(DomainError):
    pass


class ConflictError(DomainError):
    pass


class AuthenticationError(DomainError):
    """Credentials or a token are missing, wrong, expired or revoked."""


class PermissionDeniedError(DomainError):
    pass


class InvalidFieldError(DomainError):
    """A value the models accepted but the domain refuses (422, naming the field)."""

    def __init__(self, field: str, message: str, location: str = "body") -> None:
        super().__init__(message)
        self.field = field
        self.location = location


class WrongPasswordError(DomainError):
    """A password given to confirm a change is not the account's (403, naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DependencyUnavailableError(DomainError):
    """PostgreSQL or Redis could not be reached for a check that must not be skipped."""


class RejectedValueError(InvalidFieldError):
    """The database refused a value (NOT NULL, CHECK, out of range) that no model caught."""

    def __init__(self, field: str) -> None:
        super().__init__(field, "This value is not accepted.")


class TooLargeError(DomainError):
    """An upload bigger than its limit (413)."""


class UnsupportedMediaTypeError(DomainError):
    """A file of a type (or extension) that is not accepted (415)."""


class LinkNotValidError(NotFoundError):
    """An e-mailed link's token that was never issued (mistyped, altered): 404, no such link."""


class LinkUsedError(DomainError):
    """An e-mailed link's token that was used already (or replaced): 409."""


class LinkExpiredError(DomainError):
    """An e-mailed link's token past its lifetime: 410."""


class TooManyRequestsError(DomainError):
    """A limit a service counts itself (per account or address): 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
