// This file is generated from openapi/ by `npm run gen`. Do not edit it by hand.

export interface paths {
    "/v2/cache": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Cached images, images queued for prefetching, and cache statistics
         * @description Admin-only by default (policy `cache_list`); 404 when the image cache is disabled.
         *     `stats` is an extension (hit ratio, bytes served from the cache and from the stores,
         *     prefetcher progress); Glance clients ignore it.
         */
        get: operations["listCachedImages"];
        put?: never;
        post?: never;
        /**
         * Empty the cache, the prefetch queue, or both
         * @description Policy `cache_delete`. 400 for any header value but empty, `cache` or `queue`.
         */
        delete: operations["clearCache"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/cache/clean": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Remove stalled incomplete fills and cached copies that no longer verify (v2.18) */
        post: operations["cleanCache"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/cache/prune": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Evict least-recently-used copies until the cache is within IMAGE_CACHE_MAX_SIZE (v2.18) */
        post: operations["pruneCache"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/cache/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        /**
         * Queue an active image for prefetching into the cache
         * @description Policy `cache_image`; 404 unknown image; 400 image not active.
         */
        put: operations["queueImageForCache"];
        post?: never;
        /**
         * Remove an image from the cache and from the prefetch queue
         * @description Policy `cache_delete`; 404 when the image is unknown and neither cached nor queued.
         */
        delete: operations["deleteCachedImage"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/info/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Import methods this service offers */
        get: operations["getImportInfo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/file": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        /** Download image data (whole or one byte range) */
        get: operations["downloadImageData"];
        /** Upload image data (streamed; queued → saving → active) */
        put: operations["uploadImageData"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/stage": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        /** Stage image data for the glance-direct import method (queued → uploading) */
        put: operations["stageImageData"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/import": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Import data with glance-direct, web-download or copy-image (asynchronous) */
        post: operations["importImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/locations": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        /** The image's locations (service role) */
        get: operations["listImageLocations"];
        put?: never;
        /** Add a location to a queued image (asynchronous location_import task) */
        post: operations["addImageLocation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        /** Tasks (imports, location imports) of an image, as raw task rows */
        get: operations["listImageTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/stores/{store_id}/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                store_id: string;
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove an image's data from one store (multi-store) */
        delete: operations["deleteImageFromStore"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/info/stores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Enabled stores (multi-store) */
        get: operations["listStores"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/info/stores/detail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Enabled stores with type, weight and properties (admin or service) */
        get: operations["listStoresDetail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/info/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's project quota usage (sizes in MiB) */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images visible to the caller (filters, sorting, keyset pagination)
         * @description Filters, sorting and pagination as glance-v2-api.md §1.6–§1.8. Any query parameter that is
         *     not listed here is an exact-match filter on a custom property.
         */
        get: operations["listImages"];
        put?: never;
        /** Create an image record (status queued) */
        post: operations["createImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        /** Show an image */
        get: operations["showImage"];
        put?: never;
        post?: never;
        /** Delete an image */
        delete: operations["deleteImage"];
        options?: never;
        head?: never;
        /** Update an image with a JSON patch */
        patch: operations["updateImage"];
        trace?: never;
    };
    "/v2/images/{image_id}/actions/deactivate": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deactivate an active image */
        post: operations["deactivateImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/actions/reactivate": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reactivate a deactivated image */
        post: operations["reactivateImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/tags/{tag}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                tag: string;
            };
            cookie?: never;
        };
        get?: never;
        /** Add a tag (idempotent) */
        put: operations["addImageTag"];
        post?: never;
        /** Remove a tag */
        delete: operations["deleteImageTag"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        /** List the members of a shared image */
        get: operations["listImageMembers"];
        put?: never;
        /** Share a shared image with a project */
        post: operations["createImageMember"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/images/{image_id}/members/{member_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                member_id: string;
            };
            cookie?: never;
        };
        /** Show one member */
        get: operations["showImageMember"];
        /** Accept or reject a share (the member project only) */
        put: operations["updateImageMember"];
        post?: never;
        /** Stop sharing with a project */
        delete: operations["deleteImageMember"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of an image (with the configured formats) */
        get: operations["getImageSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of an image list */
        get: operations["getImagesSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/member": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of an image member */
        get: operations["getMemberSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a member list */
        get: operations["getMembersSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Versions document (any unversioned path answers the same with 300) */
        get: operations["getVersionsRoot"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Versions document */
        get: operations["listVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe (the process is serving requests) */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness probe (MongoDB answers) */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/resource_types/{resource_type}/validate": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description e.g. OS::Nova::Flavor, OS::Glance::Image, OS::Cinder::Volume */
                resource_type: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a property map against the metadata definitions of a resource type
         * @description Our extension to the v2 API. Each key is looked up as consumers write it: the
         *     association's `prefix` followed by the property name (`hw:cpu_policy` for
         *     OS::Nova::Flavor, `hw_cpu_policy` for OS::Glance::Image), among the properties and the
         *     object properties of every namespace the caller may see (`get_metadef_namespace`) that
         *     is associated with the resource type with the same `properties_target` (absent on both
         *     sides counts as equal). String values are read as consumers read them: booleans as
         *     `true/false, yes/no, on/off, 1/0, t/f, y/n` (any case), integers as `"4"`, numbers as
         *     `"1.5"`; where the definition lists `operators`, `<or> a <or> b` and `<all-in> a b` are
         *     checked operand by operand; array properties also take `a, b` (comma-separated) or a
         *     JSON list. A key several namespaces define must satisfy all of them.
         *     Every answer reflects every metadef write that returned before the call.
         */
        post: operations["validateProperties"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/resource_types/{resource_type}/validate/batch": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resource_type: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check many property maps in one call
         * @description Our extension to the v2 API. Same rules as `validateProperties`, for up to
         *     VALIDATION_MAX_BATCH maps (413 beyond) checked against one catalogue version;
         *     `items[i]` of the answer is the verdict for `items[i]` of the request.
         */
        post: operations["validatePropertiesBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                /** @description HTTP status code */
                code: number;
                /** @description HTTP reason phrase */
                title: string;
                /** @description What went wrong, for a human */
                message: string;
                request_id?: string;
            };
        };
        CacheListing: {
            cached_images: {
                image_id: string;
                hits: number;
                /** @description Epoch seconds */
                last_accessed: number;
                /** @description Epoch seconds */
                last_modified: number;
                size: number;
            }[];
            queued_images: string[];
            stats?: {
                /** @description Downloads served from the cache */
                hits: number;
                /** @description Downloads of active images read from a store */
                misses: number;
                hit_ratio: number;
                bytes_from_cache: number;
                /** @description Bytes sent to clients from the stores */
                bytes_from_store: number;
                bytes_prefetched: number;
                /** @description Copies verified and kept */
                fills: number;
                /** @description Fills abandoned (client abort or store error) */
                fill_failures: number;
                /** @description Fills whose bytes did not match the image record */
                verification_failures: number;
                evictions: number;
                cached_images: number;
                cached_bytes: number;
                max_size: number;
                prefetch: {
                    /** @description Images being fetched now */
                    active: string[];
                    completed: number;
                    failed: number;
                };
            };
        };
        ImageImportRequest: {
            method: {
                name: string;
                uri?: string;
                glance_region?: string;
                glance_image_id?: string;
                glance_service_interface?: string;
            };
            stores?: string[];
            all_stores?: boolean;
            all_stores_must_succeed?: boolean;
        };
        ImageLocationAdd: {
            url: string;
            validation_data?: {
                /** @enum {string} */
                os_hash_algo?: "sha1" | "sha256" | "sha512" | "md5";
                os_hash_value?: string;
            };
        };
        ImageTaskRow: {
            id: string;
            type: string;
            /** @enum {string} */
            status: "pending" | "processing" | "success" | "failure";
            owner: string | null;
            image_id: string;
            request_id: string | null;
            user_id: string | null;
            input: {
                [key: string]: unknown;
            } | null;
            result: {
                [key: string]: unknown;
            } | null;
            message: string;
            expires_at: string | null;
            created_at: string;
            updated_at: string | null;
            deleted_at: string | null;
            deleted: boolean;
        };
        StoreInfo: {
            id: string;
            description?: string;
            /** @enum {string} */
            default?: "true";
            /** @enum {string} */
            "read-only"?: "true";
        };
        StoreInfoDetail: {
            id: string;
            description?: string;
            /** @enum {string} */
            default?: "true";
            /** @enum {string} */
            "read-only"?: "true";
            type: string;
            weight: number;
            properties: {
                [key: string]: unknown;
            };
        };
        UsageEntry: {
            limit: number;
            usage: number;
        };
        JsonSchema: {
            name: string;
            properties: Record<string, never>;
        } & {
            [key: string]: unknown;
        };
        ImagePatch: {
            /** @enum {string} */
            op?: "add" | "replace" | "remove";
            path?: string;
            value?: unknown;
        }[];
        ImageLocationView: {
            url: string;
            metadata: {
                [key: string]: unknown;
            };
        };
        /** @description An image. Custom properties are extra string-valued keys. */
        Image: {
            id: string;
            name: string | null;
            /** @enum {string} */
            status: "queued" | "saving" | "uploading" | "importing" | "active" | "deactivated" | "killed" | "pending_delete" | "deleted";
            /** @enum {string} */
            visibility: "public" | "private" | "shared" | "community";
            protected: boolean;
            os_hidden: boolean;
            checksum: string | null;
            os_hash_algo: string | null;
            os_hash_value: string | null;
            owner: string | null;
            size: number | null;
            virtual_size: number | null;
            min_disk: number;
            min_ram: number;
            container_format: string | null;
            disk_format: string | null;
            created_at: string;
            updated_at: string;
            tags: string[];
            self: string;
            file: string;
            schema: string;
            locations?: components["schemas"]["ImageLocationView"][];
            direct_url?: string;
            stores?: string;
        } & {
            [key: string]: string;
        };
        ImageList: {
            images: components["schemas"]["Image"][];
            first: string;
            next?: string;
            schema: string;
        };
        ImageMember: {
            member_id: string;
            image_id: string;
            /** @enum {string} */
            status: "pending" | "accepted" | "rejected";
            created_at: string;
            updated_at: string;
            schema: string;
        };
        VersionsDocument: {
            versions: {
                /** @example v2.17 */
                id: string;
                /** @enum {string} */
                status: "CURRENT" | "SUPPORTED" | "EXPERIMENTAL" | "DEPRECATED";
                links: {
                    rel: string;
                    href: string;
                }[];
            }[];
        };
        HealthStatus: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            checks?: {
                [key: string]: string;
            };
        };
        /** @description Property name (as the consumer writes it, prefix included) → value. Values nested deeper than a list of scalars are refused (400). */
        PropertyMap: {
            [key: string]: string | number | boolean | (string | number | boolean)[];
        };
        /** @description Only these namespaces (each must exist and be visible to the caller, else 400). */
        ValidationNamespaces: string[];
        /** @description The association's properties_target, e.g. `image` for Cinder volume image metadata, `metadata` or `scheduler_hints` for Nova servers. */
        ValidationPropertiesTarget: string;
        PropertyValidationRequest: {
            properties: components["schemas"]["PropertyMap"];
            namespaces?: components["schemas"]["ValidationNamespaces"];
            properties_target?: components["schemas"]["ValidationPropertiesTarget"];
        };
        PropertyVerdict: {
            /**
             * @description `unknown`: no visible namespace defines this key for the resource type
             * @enum {string}
             */
            status: "valid" | "invalid" | "unknown";
            /** @description The namespace whose definition decided (the violated one when invalid) */
            namespace?: string;
            /** @description The object of that namespace defining the property, for object properties */
            object?: string;
            /** @description Why it is invalid: key, value, constraint, allowed values, namespace */
            message?: string;
            /** @description Part of the definition could not be checked (e.g. a pattern the linear-time engine cannot run) */
            warning?: string;
        };
        PropertyValidationResult: {
            /** @description No property is invalid (unknown ones do not count) */
            valid: boolean;
            properties: {
                [key: string]: components["schemas"]["PropertyVerdict"];
            };
        };
    };
    responses: {
        /** @description Error */
        Error: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listCachedImages: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cache contents */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CacheListing"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    clearCache: {
        parameters: {
            query?: never;
            header?: {
                /** @description `cache`, `queue`, or empty/absent for both */
                "x-image-cache-clear-target"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Cleared */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    cleanCache: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Cleaned (empty body) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    pruneCache: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        total_files_pruned: number;
                        total_bytes_pruned: number;
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    queueImageForCache: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued (empty body) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    deleteCachedImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    getImportInfo: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enabled import methods */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        "import-methods": {
                            description: string;
                            /** @enum {string} */
                            type: "array";
                            value: string[];
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    downloadImageData: {
        parameters: {
            query?: never;
            header?: {
                range?: string;
                "content-range"?: string;
            };
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image data */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description The image has no data */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The requested byte range */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    uploadImageData: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected size in bytes */
                "x-openstack-image-size"?: string;
                /** @description Target store (multi-store) */
                "x-image-meta-store"?: string;
            };
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description Uploaded; the image is active */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    stageImageData: {
        parameters: {
            query?: never;
            header?: {
                "x-openstack-image-size"?: string;
            };
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description Staged */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    importImage: {
        parameters: {
            query?: never;
            header?: {
                "x-image-meta-store"?: string;
            };
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageImportRequest"];
            };
        };
        responses: {
            /** @description Import task started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    listImageLocations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Locations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        url: string;
                        metadata: {
                            [key: string]: unknown;
                        };
                    }[];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    addImageLocation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageLocationAdd"];
            };
        };
        responses: {
            /** @description Location import started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    listImageTasks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tasks: components["schemas"]["ImageTaskRow"][];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteImageFromStore: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                store_id: string;
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    listStores: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stores */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        stores: components["schemas"]["StoreInfo"][];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listStoresDetail: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stores */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        stores: components["schemas"]["StoreInfoDetail"][];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getUsage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        usage: {
                            image_size_total?: components["schemas"]["UsageEntry"];
                            image_count_total?: components["schemas"]["UsageEntry"];
                            image_stage_total?: components["schemas"]["UsageEntry"];
                            image_count_uploading?: components["schemas"]["UsageEntry"];
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listImages: {
        parameters: {
            query?: {
                /** @description Page size (default LIMIT_PARAM_DEFAULT, capped at API_LIMIT_MAX) */
                limit?: string;
                /** @description Id of the last image of the previous page */
                marker?: string;
                sort_key?: string[];
                sort_dir?: string[];
                /** @description key[:dir],key[:dir] */
                sort?: string;
                tag?: string[];
                name?: string;
                id?: string;
                status?: string;
                visibility?: string;
                member_status?: string;
                owner?: string;
                container_format?: string;
                disk_format?: string;
                size_min?: string;
                size_max?: string;
                protected?: string;
                os_hidden?: string;
                created_at?: string;
                updated_at?: string;
                /** @description Exact-match filters on any other attribute or custom property. */
                properties?: {
                    [key: string]: unknown;
                };
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of images */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageList"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createImage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description The new image */
            201: {
                headers: {
                    Location?: string;
                    "OpenStack-image-import-methods"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    showImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    updateImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/openstack-images-v2.1-json-patch": components["schemas"]["ImagePatch"];
                "application/openstack-images-v2.0-json-patch": components["schemas"]["ImagePatch"];
            };
        };
        responses: {
            /** @description The updated image */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deactivateImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deactivated (or already deactivated) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    reactivateImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Reactivated (or already active) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    addImageTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tagged */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    deleteImageTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    listImageMembers: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Members */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        members: components["schemas"]["ImageMember"][];
                        schema: string;
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createImageMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    member: string;
                };
            };
        };
        responses: {
            /** @description The new member (status pending) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageMember"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    showImageMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                member_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageMember"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateImageMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                member_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    status: "pending" | "accepted" | "rejected";
                };
            };
        };
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageMember"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteImageMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                image_id: string;
                member_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    getImageSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Schema */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonSchema"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getImagesSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Schema */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonSchema"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMemberSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Schema */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonSchema"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMembersSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Schema */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonSchema"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getVersionsRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The API versions this service offers */
            300: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionsDocument"];
                };
            };
        };
    };
    listVersions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The API versions this service offers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VersionsDocument"];
                };
            };
        };
    };
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
            /** @description Not ready */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    validateProperties: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description e.g. OS::Nova::Flavor, OS::Glance::Image, OS::Cinder::Volume */
                resource_type: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PropertyValidationRequest"];
            };
        };
        responses: {
            /** @description Per-property verdicts (a 200 also when properties are invalid) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PropertyValidationResult"];
                };
            };
            400: components["responses"]["Error"];
            413: components["responses"]["Error"];
            default: components["responses"]["Error"];
        };
    };
    validatePropertiesBatch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resource_type: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    items: {
                        properties: components["schemas"]["PropertyMap"];
                    }[];
                    namespaces?: components["schemas"]["ValidationNamespaces"];
                    properties_target?: components["schemas"]["ValidationPropertiesTarget"];
                };
            };
        };
        responses: {
            /** @description One result per item, in order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Every item is valid */
                        valid: boolean;
                        items: components["schemas"]["PropertyValidationResult"][];
                    };
                };
            };
            400: components["responses"]["Error"];
            413: components["responses"]["Error"];
            default: components["responses"]["Error"];
        };
    };
}
