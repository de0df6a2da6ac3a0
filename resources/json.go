package resources

// parseJSON is completed once the wire package's Mesos JSON decoder lands.
func parseJSON(data []byte, defaultRole string) (Resources, error) {
	return Resources{}, errorf(ErrInvalidResource, "JSON resources are not supported yet")
}
