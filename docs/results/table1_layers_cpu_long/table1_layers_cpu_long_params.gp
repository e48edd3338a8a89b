set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "table1_layers_cpu_long_params.png"
set label 1000 "Table 1, cpu_long: learning only a subset of layers (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "table1_layers_cpu_long_params.dat"
plot data index 0 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2: 8.5 points per decade", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "table1_layers_cpu_long_params.svg"
set label 1000 "Table 1, cpu_long: learning only a subset of layers (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "table1_layers_cpu_long_params.dat"
plot data index 0 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2: 8.5 points per decade", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle
unset output
