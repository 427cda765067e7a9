"""Use cases. Each public function is one transaction, takes a session or engine and a Clock."""
