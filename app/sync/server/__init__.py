"""The county sync server: the service (plain functions over a Session) and its HTTP face."""
