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
    "/v2/metadefs/namespaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the namespaces the caller can see (glance-v2-api.md §2.8) */
        get: operations["listMetadefNamespaces"];
        put?: never;
        /** Create a namespace, optionally with its properties, objects, tags and resource type associations */
        post: operations["createMetadefNamespace"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        /** A namespace with its properties, objects, resource type associations and tags */
        get: operations["getMetadefNamespace"];
        /** Replace a namespace's attributes (omitted ones return to their defaults; children are untouched) */
        put: operations["updateMetadefNamespace"];
        post?: never;
        /** Delete a namespace and everything in it */
        delete: operations["deleteMetadefNamespace"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/objects": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        /** Every object of a namespace (no paging; the paging parameters are accepted and ignored) */
        get: operations["listMetadefObjects"];
        put?: never;
        /** Create an object in a namespace */
        post: operations["createMetadefObject"];
        /** Delete every object of a namespace */
        delete: operations["deleteMetadefObjects"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/objects/{object_name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                object_name: string;
            };
            cookie?: never;
        };
        /** One object */
        get: operations["getMetadefObject"];
        /** Replace an object (omitted optional fields are cleared; may rename) */
        put: operations["updateMetadefObject"];
        post?: never;
        /** Delete one object */
        delete: operations["deleteMetadefObject"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/properties": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        /** Every property definition of a namespace, keyed by name */
        get: operations["listMetadefProperties"];
        put?: never;
        /** Create a property definition */
        post: operations["createMetadefProperty"];
        /** Delete every property of a namespace */
        delete: operations["deleteMetadefProperties"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/properties/{property_name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                property_name: string;
            };
            cookie?: never;
        };
        /** One property definition */
        get: operations["getMetadefProperty"];
        /** Replace a property definition (may rename) */
        put: operations["updateMetadefProperty"];
        post?: never;
        /** Delete one property definition */
        delete: operations["deleteMetadefProperty"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        /** Tags of a namespace */
        get: operations["listMetadefTags"];
        put?: never;
        /** Create several tags; without `X-Openstack-Append` every existing tag is replaced */
        post: operations["createMetadefTags"];
        /** Delete every tag of a namespace */
        delete: operations["deleteMetadefTags"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/tags/{tag_name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                tag_name: string;
            };
            cookie?: never;
        };
        /** One tag */
        get: operations["getMetadefTag"];
        /** Rename a tag */
        put: operations["updateMetadefTag"];
        /** Create one tag named by the path */
        post: operations["createMetadefTag"];
        /** Delete one tag */
        delete: operations["deleteMetadefTag"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/resource_types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every resource type known */
        get: operations["listMetadefResourceTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/resource_types": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        /** The resource types a namespace is associated with */
        get: operations["listMetadefResourceTypeAssociations"];
        put?: never;
        /** Associate a resource type (created on the fly when unknown) with a namespace */
        post: operations["createMetadefResourceTypeAssociation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/metadefs/namespaces/{namespace}/resource_types/{resource_type}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                resource_type: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a resource type association */
        delete: operations["deleteMetadefResourceTypeAssociation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/namespace": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a namespace */
        get: operations["getMetadefNamespaceSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/namespaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of the namespace list */
        get: operations["getMetadefNamespacesSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/object": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of an object */
        get: operations["getMetadefObjectSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of the object list */
        get: operations["getMetadefObjectsSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/property": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a property */
        get: operations["getMetadefPropertySchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/properties": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of the property list */
        get: operations["getMetadefPropertiesSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/resource_type": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a resource type association */
        get: operations["getMetadefResourceTypeSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/resource_types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of the resource type association list */
        get: operations["getMetadefResourceTypesSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/tag": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a tag */
        get: operations["getMetadefTagSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/metadefs/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of the tag list */
        get: operations["getMetadefTagsSchema"];
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
    "/v2/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tasks (deprecated API; tasks_api_access) */
        get: operations["listTasks"];
        put?: never;
        /** Create a legacy import task (deprecated API; tasks_api_access) */
        post: operations["createTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/tasks/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        /** Show a task */
        get: operations["showTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/task": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a task */
        get: operations["getTaskSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/schemas/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** JSON schema of a task list */
        get: operations["getTasksSchema"];
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
        /**
         * @description The JSON form of an error, sent when the request prefers `application/json`
         *     (`Accept`). Otherwise the error is HTML (the default) or plain text, as upstream.
         */
        Error: {
            /** @description What went wrong, for a human */
            message: string;
            /** @description HTTP status line, e.g. "404 Not Found" */
            code: string;
            /** @description HTTP reason phrase */
            title: string;
            request_id?: string;
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
            properties: Record<string, unknown>;
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
        MetadefTimestamp: string;
        /** @enum {string} */
        MetadefPropertyType: "array" | "boolean" | "integer" | "number" | "object" | "string";
        MetadefPropertyItems: {
            type?: components["schemas"]["MetadefPropertyType"];
            enum?: unknown[];
        };
        /** @description A property definition inside a map (its name is the key; one created through the property API also carries it inside, as upstream). */
        MetadefPropertyDefinition: {
            name?: string;
            title: string;
            type: components["schemas"]["MetadefPropertyType"];
            description?: string;
            operators?: string[];
            default?: unknown;
            readonly?: boolean;
            enum?: unknown[];
            minimum?: number;
            maximum?: number;
            minLength?: number;
            maxLength?: number;
            pattern?: string;
            items?: components["schemas"]["MetadefPropertyItems"];
            minItems?: number;
            maxItems?: number;
            uniqueItems?: boolean;
            additionalItems?: boolean;
            required?: string[];
            "x-name-pattern"?: components["schemas"]["MetadefNamePattern"];
            "x-authority"?: components["schemas"]["MetadefAuthority"];
            "x-deprecated"?: components["schemas"]["MetadefDeprecated"];
        };
        /** @description A property definition with its name. */
        MetadefProperty: {
            name: string;
            title: string;
            type: components["schemas"]["MetadefPropertyType"];
            description?: string;
            operators?: string[];
            default?: unknown;
            readonly?: boolean;
            enum?: unknown[];
            minimum?: number;
            maximum?: number;
            minLength?: number;
            maxLength?: number;
            pattern?: string;
            items?: components["schemas"]["MetadefPropertyItems"];
            minItems?: number;
            maxItems?: number;
            uniqueItems?: boolean;
            additionalItems?: boolean;
            required?: string[];
            "x-name-pattern"?: components["schemas"]["MetadefNamePattern"];
            "x-authority"?: components["schemas"]["MetadefAuthority"];
            "x-deprecated"?: components["schemas"]["MetadefDeprecated"];
        };
        /**
         * @description Extension of this service (upstream Glance has no such field; its clients ignore it). The
         *     property name is a template: each `{param}` placeholder named here stands for text that
         *     fully matches the parameter's pattern (RE2 syntax). With prefix `hw:`, the property
         *     `numa_cpus.{num}` and `{"num": "\\d+"}` cover the keys `hw:numa_cpus.0`, `hw:numa_cpus.12`, ...
         *     Property validation matches templates when no exact definition covers a key.
         * @example {
         *       "num": "\\d+"
         *     }
         */
        MetadefNamePattern: {
            [key: string]: string;
        };
        /**
         * @description Extension of this service (ignored by upstream clients). The consumer whose current rule the
         *     definition states, e.g. `nova` for the definitions derived from Nova's extra-spec validators
         *     (etc/metadefs-nova). When definitions with and without an authority cover the same key,
         *     property validation checks only those with one; listings show all of them.
         */
        MetadefAuthority: string;
        /** @description Extension of this service (ignored by upstream clients). The consumer has deprecated the key. */
        MetadefDeprecated: boolean;
        MetadefPropertyMap: {
            [key: string]: components["schemas"]["MetadefPropertyDefinition"];
        };
        MetadefObjectInput: {
            name: string;
            description?: string;
            required?: string[];
            properties?: components["schemas"]["MetadefPropertyMap"];
            created_at?: string;
            updated_at?: string;
            self?: string;
            schema?: string;
        };
        MetadefObject: {
            name: string;
            description?: string;
            required?: string[];
            properties?: components["schemas"]["MetadefPropertyMap"];
            created_at: components["schemas"]["MetadefTimestamp"];
            updated_at?: components["schemas"]["MetadefTimestamp"];
            self: string;
            /** @enum {string} */
            schema: "/v2/schemas/metadefs/object";
        };
        /** @description A tag; inside a namespace only its name is shown, as upstream. */
        MetadefTag: {
            name: string;
            created_at?: components["schemas"]["MetadefTimestamp"];
            updated_at?: components["schemas"]["MetadefTimestamp"];
        };
        MetadefTagNames: {
            tags: {
                name: string;
            }[];
        };
        MetadefResourceTypeAssociationInput: {
            name: string;
            prefix?: string;
            properties_target?: string;
            created_at?: string;
            updated_at?: string;
        };
        MetadefResourceTypeAssociation: {
            name: string;
            prefix?: string;
            properties_target?: string;
            created_at: components["schemas"]["MetadefTimestamp"];
            updated_at?: components["schemas"]["MetadefTimestamp"];
        };
        MetadefNamespaceInput: {
            namespace: string;
            display_name?: string;
            description?: string;
            /** @enum {string} */
            visibility?: "public" | "private";
            protected?: boolean;
            owner?: string;
            resource_type_associations?: components["schemas"]["MetadefResourceTypeAssociationInput"][];
            properties?: components["schemas"]["MetadefPropertyMap"];
            objects?: components["schemas"]["MetadefObjectInput"][];
            tags?: {
                name: string;
            }[];
            /** @description read-only (403 when sent) */
            created_at?: string;
            /** @description read-only (403 when sent) */
            updated_at?: string;
            /** @description read-only (403 when sent) */
            self?: string;
            /** @description read-only (403 when sent) */
            schema?: string;
        };
        MetadefNamespace: {
            namespace: string;
            display_name?: string;
            description?: string;
            /** @enum {string} */
            visibility: "public" | "private";
            protected: boolean;
            owner?: string;
            created_at: components["schemas"]["MetadefTimestamp"];
            updated_at?: components["schemas"]["MetadefTimestamp"];
            self: string;
            /** @enum {string} */
            schema: "/v2/schemas/metadefs/namespace";
            resource_type_associations?: components["schemas"]["MetadefResourceTypeAssociation"][];
            properties?: components["schemas"]["MetadefPropertyMap"];
            objects?: components["schemas"]["MetadefObject"][];
            tags?: components["schemas"]["MetadefTag"][];
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
        Task: {
            id: string;
            type: string;
            /** @enum {string} */
            status: "pending" | "processing" | "success" | "failure";
            owner: string | null;
            expires_at?: string | null;
            created_at: string;
            updated_at: string | null;
            self: string;
            schema: string;
            input?: {
                [key: string]: unknown;
            } | null;
            result?: {
                [key: string]: unknown;
            } | null;
            message?: string;
            image_id?: string;
            request_id?: string;
            user_id?: string;
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
                "text/html": string;
                "text/plain": string;
            };
        };
        /** @description A JSON schema document (the files under schemas/metadefs/) */
        MetadefSchemaDocument: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    name: string;
                    properties: Record<string, unknown>;
                };
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
    listMetadefNamespaces: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Name of the last namespace of the previous page */
                marker?: string;
                sort_key?: string;
                sort_dir?: string;
                visibility?: string;
                /** @description Comma-separated resource type names (any of) */
                resource_types?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of namespaces */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        namespaces: components["schemas"]["MetadefNamespace"][];
                        first: string;
                        next?: string;
                        /** @enum {string} */
                        schema: "/v2/schemas/metadefs/namespaces";
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefNamespace: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefNamespaceInput"];
            };
        };
        responses: {
            /** @description The namespace created */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefNamespace"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getMetadefNamespace: {
        parameters: {
            query?: {
                /** @description Apply this associated resource type's prefix to property names */
                resource_type?: string;
            };
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The namespace */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefNamespace"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMetadefNamespace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefNamespaceInput"];
            };
        };
        responses: {
            /** @description The namespace, without its children */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefNamespace"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefNamespace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
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
    listMetadefObjects: {
        parameters: {
            query?: {
                limit?: string;
                marker?: string;
                sort_key?: string;
                sort_dir?: string;
            };
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The objects */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        objects: components["schemas"]["MetadefObject"][];
                        /** @enum {string} */
                        schema: "v2/schemas/metadefs/objects";
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefObject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefObjectInput"];
            };
        };
        responses: {
            /** @description The object created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefObject"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefObjects: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
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
    getMetadefObject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                object_name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The object */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefObject"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMetadefObject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                object_name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefObjectInput"];
            };
        };
        responses: {
            /** @description The object */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefObject"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefObject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                object_name: string;
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
    listMetadefProperties: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The properties */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        properties: {
                            [key: string]: components["schemas"]["MetadefPropertyDefinition"];
                        };
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefProperty: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefProperty"];
            };
        };
        responses: {
            /** @description The property created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefProperty"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefProperties: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
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
    getMetadefProperty: {
        parameters: {
            query?: {
                /** @description The name is prefixed with this resource type's prefix, which is removed before the lookup */
                resource_type?: string;
            };
            header?: never;
            path: {
                namespace: string;
                property_name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The property */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefProperty"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMetadefProperty: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                property_name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefProperty"];
            };
        };
        responses: {
            /** @description The property */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefProperty"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefProperty: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                property_name: string;
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
    listMetadefTags: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Name of the last tag of the previous page */
                marker?: string;
                sort_key?: string;
                sort_dir?: string;
            };
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tags (names only) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefTagNames"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefTags: {
        parameters: {
            query?: never;
            header?: {
                "X-Openstack-Append"?: string;
            };
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    tags: {
                        name: string;
                    }[];
                };
            };
        };
        responses: {
            /** @description The tags created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefTagNames"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
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
    getMetadefTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                tag_name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tag */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefTag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    updateMetadefTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                tag_name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    created_at?: string;
                    updated_at?: string;
                };
            };
        };
        responses: {
            /** @description The tag */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefTag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                tag_name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tag created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefTag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                tag_name: string;
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
    listMetadefResourceTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The resource types */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource_types: {
                            name: string;
                            created_at: components["schemas"]["MetadefTimestamp"];
                            updated_at?: components["schemas"]["MetadefTimestamp"];
                        }[];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    listMetadefResourceTypeAssociations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The associations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        resource_type_associations: components["schemas"]["MetadefResourceTypeAssociation"][];
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createMetadefResourceTypeAssociation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MetadefResourceTypeAssociationInput"];
            };
        };
        responses: {
            /** @description The association */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetadefResourceTypeAssociation"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    deleteMetadefResourceTypeAssociation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                resource_type: string;
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
    getMetadefNamespaceSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefNamespacesSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefObjectSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefObjectsSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefPropertySchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefPropertiesSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefResourceTypeSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefResourceTypesSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefTagSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
            default: components["responses"]["Error"];
        };
    };
    getMetadefTagsSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["MetadefSchemaDocument"];
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
    listTasks: {
        parameters: {
            query?: {
                limit?: string;
                marker?: string;
                status?: string;
                type?: string;
                sort_key?: string;
                sort_dir?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tasks (stubs without input, result, message) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tasks: components["schemas"]["Task"][];
                        first: string;
                        next?: string;
                        schema: string;
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    createTask: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": Record<string, unknown>;
            };
        };
        responses: {
            /** @description The task */
            201: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    showTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getTaskSchema: {
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
                    "application/json": Record<string, unknown>;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    getTasksSchema: {
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
                    "application/json": Record<string, unknown>;
                };
            };
            default: components["responses"]["Error"];
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
