set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "fig1_fractions_cpu_long_fraction.png"
set label 1000 "Figure 1, cpu_long: training with only a few parameters (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against the fraction of parameters learned" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'parameters learned (log scale)'
set logscale x
set xtics ('0.1%%' 0.001, '0.2%%' 0.002, '0.5%%' 0.005, '1%%' 0.01, '2%%' 0.02, '5%%' 0.05, '10%%' 0.1, '20%%' 0.2, '50%%' 0.5, '100%%' 1)
data = "fig1_fractions_cpu_long_fraction.dat"
plot data index 0 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed random", \
  data index 1 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 4 dashtype 2 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed zero", \
  92.8367 with lines linecolor rgb '#0072B2' dashtype 3 linewidth 2 title "WRN-10-2, all learned"
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "fig1_fractions_cpu_long_fraction.svg"
set label 1000 "Figure 1, cpu_long: training with only a few parameters (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against the fraction of parameters learned" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'parameters learned (log scale)'
set logscale x
set xtics ('0.1%%' 0.001, '0.2%%' 0.002, '0.5%%' 0.005, '1%%' 0.01, '2%%' 0.02, '5%%' 0.05, '10%%' 0.1, '20%%' 0.2, '50%%' 0.5, '100%%' 1)
data = "fig1_fractions_cpu_long_fraction.dat"
plot data index 0 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed random", \
  data index 1 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 4 dashtype 2 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed zero", \
  92.8367 with lines linecolor rgb '#0072B2' dashtype 3 linewidth 2 title "WRN-10-2, all learned"
unset output
