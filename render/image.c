/* Reading the renderer's pixels and writing them as PNG (libpng). */
#include "render/render_internal.h"

#include <png.h>
#include <string.h>

uint8_t *image_read_rgb(SDL_Renderer *r, int w, int h)
{
    size_t bytes = (size_t)w * (size_t)h * 3;
    uint8_t *p = petri_alloc(bytes);
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_RGB24, p, w * 3) != 0) {
        petri_free(p, bytes);
        return NULL;
    }
    return p;
}

PetriStatus image_write_png(const char *path, const uint8_t *rgb, int w, int h,
                            PetriError *err)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    if (!png_image_write_to_file(&img, path, 0, rgb, w * 3, NULL)) {
        return error_add(err, PETRI_EIO, "%s: error: cannot write the PNG: %s", path, img.message);
    }
    return PETRI_OK;
}
