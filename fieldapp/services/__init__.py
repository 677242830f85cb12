"""Use cases. Each public function owns one transaction and speaks shapely and plain values."""
