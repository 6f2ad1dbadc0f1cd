/// api/openapi.yaml, carried in the code (as seed/ and schema/ are) and served at /openapi.yaml.
enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_yaml
}
