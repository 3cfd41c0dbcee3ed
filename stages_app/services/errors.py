"""Domain errors. ``message`` is always a French sentence fit to show to the user."""


class DomainError(Exception):
    """Base class: a rule refused the action. The message is shown as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Bad input (format, length, policy)."""


class NotAuthenticated(DomainError):
    """No valid session: the user must log in."""

    def __init__(self, message: str = "Votre session a expiré. Merci de vous reconnecter."):
        super().__init__(message)


class PermissionDenied(DomainError):
    """The user is logged in but may not do this."""

    def __init__(self, message: str = "Vous n'avez pas accès à cette page ou à cette action."):
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, message: str = "Élément introuvable."):
        super().__init__(message)


class Conflict(DomainError):
    """Duplicate or concurrent change (unique constraint, rule R3–R7)."""


class AccountLocked(DomainError):
    """Too many failed logins."""


class ImportDataError(DomainError):
    """A reference file is malformed; the message names file, line and column."""
