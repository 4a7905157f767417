"""Operating the home: doctor, samples."""
